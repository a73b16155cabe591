"""The words people answer with, in English and Japanese: one vocabulary for every question the bot asks.

A yes is a yes at a host's decision, at "cancel your stay?", at "unlist #3?" and at "request it anyway?",
however it is said: "yes please", "yep", "sure", 👍, お願いします, ええ, うん, 了解しました. A no likewise:
"no thanks", "no, we have family staying", "sorry, we're full", 申し訳ないですが、お断りします. What reads as
neither is never taken for either: the question is asked again.

Everything here reads a text already folded (`bot.text.fold`: NFKC, upper case, edge punctuation gone), so
full-width letters, case and a trailing "!" or 。 do not matter. Nothing here imports the rest of the bot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class Decision(Enum):
    """What an answer to a yes/no question says."""

    YES = "yes"
    NO = "no"
    UNCLEAR = "unclear"  # "大丈夫です", "結構です": yes or no by tone alone; asked again, never guessed


@dataclass(frozen=True)
class Answer:
    """A text read as an answer to a yes/no question; `reason` is what a no said beyond no ("no, we have
    family staying" -> "we have family staying"), for the person asked to be told."""

    decision: Decision
    reason: str = ""
    bare: bool = True  # the decision and nothing more ("yes please", "sorry, no"), not a sentence that opens with it


# -- keywords carriers and Twilio act on (see the shared Twilio facts) ----------------------------------------

# Twilio's standard opt-out keywords: Twilio itself answers them (and confirms the opt-out) on long codes and
# toll-free numbers, whatever the bot does. A lone one of these never means anything else in Airtng.
CARRIER_OPT_OUT_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE",
                                   "OPTOUT"})
# Japanese opt-out words Twilio does not know unless an operator adds them to Advanced Opt-Out: the bot acts
# on them all the same and, where Twilio did not, confirms the opt-out itself.
OWN_OPT_OUT_WORDS = frozenset({"停止", "配信停止"})
OPT_OUT_WORDS = CARRIER_OPT_OUT_WORDS | OWN_OPT_OUT_WORDS
# YES opts a number back in at the carrier too, so it opts in here for someone who opted out.
CARRIER_OPT_IN_WORDS = frozenset({"START", "UNSTOP", "YES"})
OPT_IN_WORDS = frozenset({"START", "UNSTOP", "再開"})
# What brings an opted-out number back: the opt-in words, and a plain yes (as YES does at the carrier).
BACK_IN_WORDS = OPT_IN_WORDS | CARRIER_OPT_IN_WORDS | {"はい"}
HELP_WORDS = frozenset({"HELP", "INFO", "?", "ヘルプ", "使い方"})
MENU_WORDS = frozenset({"MENU", "メニュー", "最初から"})
# "Not this" inside a step: leave it as MENU does. None of them is an opt-out keyword at the carrier.
LEAVE_WORDS = frozenset({"NEVER MIND", "NEVERMIND", "FORGET IT", "中止", "やめる", "やめます", "ストップ",
                         "やっぱりやめる", "やっぱりいいです", "やっぱりやめます", "やっぱりやめたい"})
# "I've changed my mind": inside a step it leaves the step (LEAVE_WORDS); outside one, from a guest with one
# request or stay they can cancel, it is CANCEL of that one (which asks first for a confirmed stay).
CHANGE_OF_MIND_WORDS = frozenset({"やっぱりやめる", "やっぱりやめます", "やっぱりやめたい", "やっぱりキャンセル",
                                  "やっぱりキャンセルします"})

# -- whole sentences that say a command ---------------------------------------------------------------------

# What Japanese hosts write to take a place down, with its number before or after: 掲載停止 3, 掲載中止 3,
# 掲載取消 3, 掲載をやめる 3, 非公開 3, 3番の掲載をやめたい. Read as one sentence, so that 掲載中止 is never
# 掲載中 (LISTINGS) and a 掲載 word followed by more words never starts a new listing.
_NUMBER_BEFORE = r"(?:[#＃]?(?P<before>\d{1,9})\s*番?\s*[のを]?\s*)?"
_NUMBER_AFTER = r"(?:\s*[#＃]?(?P<after>\d{1,9})\s*番?)?"
_POLITE_END = r"(?:る|たい|たいです|ます|します|したい|したいです|して|してください|にする|にして|にしたい|にします|" \
              r"にしてください|です|お願いします|をお願いします)?"
_UNLIST_PHRASE = re.compile(
    rf"^{_NUMBER_BEFORE}(?:掲載\s*を?\s*(?:停止|中止|取消し?|取り消し?|終了|やめ|止め|取り下げ)|非公開){_POLITE_END}"
    rf"{_NUMBER_AFTER}[。！!.]*$")
# Rows of (what the sentence looks like, the command it says); each has the listing number as `before` or
# `after`. A sentence with two numbers is not one of these.
COMMAND_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = ((_UNLIST_PHRASE, "UNLIST"),)


def command_phrase(normal: str) -> str | None:
    """The command a whole sentence says, as its command word and number ("3番の掲載をやめたい" ->
    "UNLIST 3"); None for any other text. `normal`: the text after NFKC."""
    if normal.isascii():
        return None
    for pattern, command in COMMAND_PHRASES:
        match = pattern.match(normal)
        if match is not None:
            before, after = match.group("before"), match.group("after")
            if before and after:
                return None
            return f"{command} {before or after}" if before or after else command
    return None


# What a Japanese keyboard's conversion gets wrong for a command: the homophone it offered first. Answered
# with a suggestion of the right word, never taken for it.
IME_SLIPS = {"一欄": "一覧", "一蘭": "一覧", "検策": "検索", "検作": "検索", "詳際": "詳細", "予訳": "予約",
             "状境": "状況", "取決": "取消", "掲災": "掲載"}

# -- yes and no ---------------------------------------------------------------------------------------------

YES_WORDS = frozenset({
    "YES", "Y", "YEP", "YEAH", "YEA", "YUP", "YA", "YES PLEASE", "YES PLS", "YES THANKS", "YES THANK YOU",
    "OK", "OKAY", "OK PLEASE", "OK THEN", "OKAY THEN", "K", "KK", "SURE", "SURE THING", "OF COURSE",
    "ACCEPT", "ACCEPTED", "CONFIRM", "CONFIRMED", "APPROVE", "APPROVED", "ABSOLUTELY", "DEFINITELY",
    "GO AHEAD", "PLEASE DO", "DO IT", "ALRIGHT", "ALL RIGHT", "FINE", "THAT'S FINE", "THATS FINE", "SOUNDS GOOD",
    "PERFECT", "GREAT", "YES OF COURSE", "YES SURE", "YES, PLEASE", "AGREED",
    "はい", "ええ", "うん", "おう", "はーい", "はい!", "お願いします", "おねがいします", "お願いいたします",
    "はい、お願いします", "はい お願いします", "お願い", "承諾", "承諾します", "承認", "承認します", "了解",
    "了解です", "了解しました", "りょうかい", "承知しました", "承知いたしました", "かしこまりました",
    "OKです", "オーケー", "オッケー", "いいですよ", "いいよ", "どうぞ", "受けます", "お受けします", "引き受けます",
    "よろしくお願いします", "はい、よろしくお願いします",
})
NO_WORDS = frozenset({
    "NO", "N", "NOPE", "NAH", "NO THANKS", "NO THANK YOU", "NO THX", "NOT THIS TIME", "NOT NOW",
    "REJECT", "DECLINE", "DECLINED", "DENY", "PASS", "CAN'T", "CANT", "CANNOT", "SORRY NO", "SADLY NO",
    "いいえ", "いや", "いえ", "ううん", "拒否", "お断り", "断る", "お断りします", "お断りいたします",
    "無理", "無理です", "むり", "だめ", "ダメ", "駄目", "だめです", "ダメです", "駄目です", "NG", "できません",
    "結構です、いりません", "やめておきます", "見送ります", "今回は見送ります", "今回はお断りします",
})
# Yes or no by tone alone ("It's fine" / "No, thanks"): never guessed.
_UNCLEAR = frozenset({"大丈夫です", "大丈夫", "だいじょうぶです", "だいじょうぶ", "結構です", "結構", "けっこうです",
                      "いいです", "MAYBE", "PERHAPS", "NOT SURE", "たぶん", "多分"})

_YES_EMOJI = frozenset("👍👌✅🙆🆗✔☑")
_NO_EMOJI = frozenset("👎❌🙅🚫✖⛔")

# An answer that opens with one of these says yes or no, whatever follows ("yes, see you then", "はい、大丈夫
# です"); a no's remainder is its reason ("no, we have family staying").
_YES_LEADS = ("YES", "YEP", "YEAH", "SURE", "OK", "OKAY", "ABSOLUTELY", "OF COURSE", "はい", "ええ", "うん",
              "承諾", "了解", "承知")
_NO_LEADS = ("NO", "NOPE", "NAH", "いいえ", "いえ", "お断り", "残念ながら")
# A decline often opens with an apology, which is not the answer: "Sorry, we're full that week",
# "申し訳ないですが、お断りします". Read as no, the whole text its reason.
_APOLOGIES = ("SORRY", "I'M SORRY", "IM SORRY", "I AM SORRY", "UNFORTUNATELY", "APOLOGIES", "申し訳",
              "すみません", "すいません", "ごめん", "恐れ入りますが", "あいにく", "残念")
# After a lead word, these add nothing: "yes please", "ok thanks!", "yes sure, go ahead".
_FILLER = frozenset({"PLEASE", "PLS", "THANKS", "THANK YOU", "THX", "TY", "SURE", "GO AHEAD", "OK", "OKAY",
                     "THAT'S FINE", "FINE", "GREAT", "PERFECT", "SOUNDS GOOD", "OF COURSE", "DO IT", "SIR",
                     "お願いします", "おねがいします", "お願いいたします", "よろしくお願いします", "どうぞ", "です",
                     "大丈夫です", "大丈夫", "OKです"})

_SEPARATORS = re.compile(r"[\s,.!、。！]+")
# Every answer starts with one of these characters (a word of a set above, a lead word or an apology).
_FIRST_CHARACTERS = frozenset(word[0] for word in (*YES_WORDS, *NO_WORDS, *_UNCLEAR, *_YES_LEADS, *_NO_LEADS,
                                                   *_APOLOGIES))
# What `bot.text.fold` strips from a text's ends (one definition: fold and the answers' remainders agree).
EDGE_PUNCTUATION = " \t\r\n.,!?;:'\"()[]{}<>-_*~`。、！？「」"
REASON_MAX = 200


def read_answer(folded: str, *, strict: bool = False) -> Answer | None:
    """The answer a whole text gives to a yes/no question, or None if it is not one ("BOOK 3", a name, a
    question of its own). `folded` is the text as `bot.text.fold` leaves it. `strict`: only a decision said
    and nothing more ("yes please", "sorry, no"), not one that opens a sentence of its own ("yes, it has a
    sea view", "no, we have family staying")."""
    plain = strip_emoji(folded)
    if not plain:
        return _emoji_answer(folded)
    if plain[0] not in _FIRST_CHARACTERS:
        return None  # "BOOK 3", "Dec 20-23", a name: most texts start with no answer's first character
    found = _exact(plain) or _led_answer(plain) or _apology(plain)
    if found is None or not strict or found.bare:
        return found
    return found if found.decision is Decision.NO and ends_with_no(plain) else None


def _exact(plain: str) -> Answer | None:
    if plain in YES_WORDS:
        return Answer(Decision.YES)
    if plain in NO_WORDS:
        return Answer(Decision.NO)
    if plain in _UNCLEAR:
        return Answer(Decision.UNCLEAR)
    return None


def ends_with_no(plain: str) -> bool:
    """"申し訳ないですが、お断りします", "sorry, no": the words after the apology are themselves a no."""
    last = _SEPARATORS.split(plain.rstrip(EDGE_PUNCTUATION))[-1]
    return last in NO_WORDS or any(plain.endswith(word) for word in NO_WORDS if not word.isascii() and len(word) > 1)


def _emoji_answer(folded: str) -> Answer | None:
    """A reply of emoji alone: 👍 is a yes, 👎 a no, anything else (😊) none."""
    marks = {ch for ch in folded if not ch.isspace() and ch != "\ufe0f"}
    if marks and marks <= _YES_EMOJI:
        return Answer(Decision.YES)
    if marks and marks <= _NO_EMOJI:
        return Answer(Decision.NO)
    return None


def _lead(plain: str, leads: tuple[str, ...]) -> str | None:
    """What follows a lead word that opens `plain` as a word of its own, or None ("NOTE" is not "NO")."""
    for lead in leads:
        if plain.startswith(lead):
            rest = plain[len(lead):]
            if not rest:
                return ""
            if lead.isascii() and rest[0].isalnum():
                continue  # "NOTE", "OKINAWA", "SURELY": another word
            return rest.strip(EDGE_PUNCTUATION)
    return None


def _only_filler(rest: str) -> bool:
    words = [word for word in _SEPARATORS.split(rest) if word]
    return " ".join(words) in _FILLER or all(word in _FILLER for word in words)


def _led_answer(plain: str) -> Answer | None:
    rest = _lead(plain, _NO_LEADS)
    if rest is not None:
        if _lead(rest, ("PROBLEM", "WORRIES")) is not None or rest.startswith(("問題", "大丈夫")):
            return Answer(Decision.YES)  # "no problem", "no worries": a yes
        if not rest or _only_filler(rest) or rest in NO_WORDS:
            return Answer(Decision.NO)
        return Answer(Decision.NO, _reason(rest), bare=False)
    rest = _lead(plain, _YES_LEADS)
    if rest is None:
        return None
    if not rest or _only_filler(rest):
        return Answer(Decision.YES)
    # "はい、大丈夫です", "はい、お待ちしております": a yes with polite words of its own. In English a lead word
    # followed by more ("OK, BOOK 3", "ok what about parking?", "yes, but only 2 nights") is not read as
    # a yes: the question is asked again rather than something decided that was not said.
    if rest.isascii() or "?" in rest or "？" in rest or any(ch.isdigit() for ch in rest):
        return None
    return Answer(Decision.YES, bare=False)


def _apology(plain: str) -> Answer | None:
    """A decline that opens with an apology: "Sorry, we have family staying that week"."""
    if "?" in plain or "？" in plain:
        return None  # "sorry, what?" asks; it does not answer
    for apology in _APOLOGIES:
        if plain.startswith(apology):
            rest = plain[len(apology):].strip(EDGE_PUNCTUATION)
            if not rest or rest in NO_WORDS or _only_filler(rest):
                return Answer(Decision.NO)
            return Answer(Decision.NO, _reason(plain), bare=False)
    return None


def _reason(text: str) -> str:
    return text[:REASON_MAX]


# Emoji and pictographs, with the joiner and the emoji presentation selector that glue them.
_PICTOGRAPHS = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F\u200D]+")


def strip_emoji(text: str) -> str:
    """The text without emoji and pictographs (🙏 after a date, 👍 after a yes), spaces folded."""
    if text.isascii():
        return text.strip(EDGE_PUNCTUATION)  # most texts: nothing to take out (spaces are folded already)
    kept = _PICTOGRAPHS.sub(" ", text)
    return " ".join(kept.split()).strip(EDGE_PUNCTUATION)


# -- small talk ---------------------------------------------------------------------------------------------

SmallTalkKind = str  # "greeting" | "thanks" | "ok": the template's `kind`

# Whole texts (folded, emoji gone) that are greetings, thanks or a plain acknowledgement, by kind. Matched as
# the whole text, so "Thanks, BOOK 3" is not small talk.
SMALL_TALK: dict[str, SmallTalkKind] = {
    **dict.fromkeys(("HI", "HELLO", "HEY", "HIYA", "HI THERE", "HELLO THERE", "GOOD MORNING", "GOOD EVENING",
                     "GOOD AFTERNOON", "こんにちは", "こんばんは", "おはよう", "おはようございます", "どうも",
                     "はじめまして", "もしもし"), "greeting"),
    **dict.fromkeys(("THANKS", "THANK YOU", "THANKS A LOT", "THANK YOU SO MUCH", "THX", "TY", "CHEERS",
                     "OK THANKS", "OK THANK YOU", "THANKS!", "MANY THANKS", "ありがとう", "ありがとうございます",
                     "ありがとうございました", "どうもありがとう", "サンキュー", "助かりました", "よろしくお願いします",
                     "よろしくお願いいたします", "よろしく", "宜しくお願いします"), "thanks"),
    **dict.fromkeys(("OK", "OKAY", "K", "KK", "NOPE", "NAH", "NO THANKS", "NO THANK YOU", "COOL", "GREAT",
                     "ALRIGHT", "SURE", "わかりました", "了解です", "オーケー", "大丈夫です", "了解", "了解しました",
                     "承知しました", "はい", "うん", "ええ"), "ok"),
}


def small_talk_kind(folded: str) -> SmallTalkKind | None:
    """The kind of small talk the whole text is (greeting, thanks, ok), or None."""
    return SMALL_TALK.get(strip_emoji(folded).rstrip("!.?！。？ "))


# -- no photo -----------------------------------------------------------------------------------------------

# What answers "send a photo, or SKIP" with no photo. Only these: a decision word ("お断りします", "ええ") at
# a photo step is meant for a request, not for the photo.
NO_PHOTO_WORDS = frozenset({"SKIP", "NO", "NONE", "NO PHOTO", "NO PHOTOS", "NO PICTURE", "NO PIC", "NOPE",
                            "N/A", "NA", "LATER", "NOT NOW", "NO THANKS", "SKIP IT", "スキップ", "なし", "無し",
                            "写真なし", "写真無し", "ない", "ありません", "写真はありません", "写真はないです",
                            "いいえ", "後で", "あとで"})


# -- arrival details and payment terms ----------------------------------------------------------------------

# What leaves one of the questions after a place is listed (the address, the times, how to get in, how to
# pay) for later: EDIT n ARRIVAL / EDIT n PAYMENT ask again.
SKIP_WORDS = frozenset({"SKIP", "SKIP IT", "LATER", "NOT NOW", "NONE", "N/A", "NO", "NOPE", "NO THANKS",
                        "スキップ", "なし", "無し", "後で", "あとで", "いいえ"})

# Words naming how guests pay (folded: NFKC, upper case): the first one in a host's answer chooses.
PAYMENT_WORDS: dict[str, str] = {
    **dict.fromkeys(("ARRIVAL", "CASH", "CARD", "ON SITE", "AT THE DOOR", "現地", "現金", "カード", "到着時",
                     "当日"), "on_arrival"),
    **dict.fromkeys(("BANK", "TRANSFER", "WIRE", "振込", "振り込み", "銀行"), "bank_transfer"),
    **dict.fromkeys(("LINK", "ONLINE", "PAYPAL", "STRIPE", "リンク", "オンライン", "決済"), "payment_link"),
}

# A guest's question about arriving or paying, in their own words (folded): answered from the place's arrival
# details or payment terms ("what's the address?", "how do we get in?", 住所は？, 支払い方法は？).
ARRIVAL_QUESTION = re.compile(r"\bADDRESS\b|WHERE IS (?:IT|THE PLACE|THE HOUSE|THE FLAT|THE APARTMENT)\b"
                              r"|HOW DO (?:I|WE) GET (?:IN|THERE)\b|WHAT TIME (?:IS|CAN (?:I|WE)) CHECK"
                              r"|CHECK-?IN TIME|住所|場所はどこ|行き方|入り方|チェックインは何時|チェックインの時間")
PAY_QUESTION = re.compile(r"HOW (?:DO|CAN|SHOULD|WILL|DOES) (?:I|WE|ONE) PAY\b|\bPAYMENT\b|支払|払い方|払えば"
                          r"|決済方法")
