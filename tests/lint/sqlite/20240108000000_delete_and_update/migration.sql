DELETE FROM "Post";
UPDATE "Post" SET "views" = 0;
DELETE FROM "Post" WHERE "views" < 0;
UPDATE "Post" SET "views" = (SELECT count(*) FROM "User" WHERE "User"."id" = "Post"."authorId") WHERE "views" = 0;
UPDATE "User" SET "email" = lower("email");
