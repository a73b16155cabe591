-- Stays confirmed before the day-before reminders existed (009) have no reminder job: each confirmed stay
-- without one gets a job that plans it. Its moment depends on settings (booking.timezone,
-- booking.reminder_local_hour) and on the clock, which SQL does not know, so the scheduler works these jobs
-- (due at once) and adds the stay's reminder if its moment is still ahead, as a yes today would.
-- Twin: db/sqlite/012_stay_reminders_for_earlier_stays.sql.
INSERT INTO jobs (kind, reservation_id, due_at)
SELECT 'plan_stay_reminder', r.id, '1970-01-01T00:00:00.000000Z' FROM reservations r
WHERE r.status = 'confirmed'
  AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.reservation_id = r.id AND j.kind = 'stay_reminder');
