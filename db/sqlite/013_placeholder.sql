-- Placeholder for migration 013, which another branch brings (the numbers must have no gap). The merge
-- keeps that branch's 013 and drops this file.
SELECT 1;
