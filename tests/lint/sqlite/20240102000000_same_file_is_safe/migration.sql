CREATE TABLE "Draft" ("id" INTEGER PRIMARY KEY, "body" TEXT, "kind" TEXT);
ALTER TABLE "Draft" RENAME COLUMN "kind" TO "category";
ALTER TABLE "Draft" DROP COLUMN "category";
UPDATE "Draft" SET "body" = '';
DELETE FROM "Draft";
DROP TABLE "Draft";
