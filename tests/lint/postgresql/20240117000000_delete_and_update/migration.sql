DELETE FROM "Post";
UPDATE "Post" SET "views" = 0;
-- With a WHERE, both are fine.
DELETE FROM "Post" WHERE "views" < 0;
UPDATE "Post" SET "views" = 0 WHERE "views" IS NULL;
