-- Everything on a table created in the same migration is safe: nobody uses it yet.
CREATE TABLE "Draft" ("id" SERIAL PRIMARY KEY, "body" TEXT, "kind" TEXT);
CREATE INDEX "Draft_body_idx" ON "Draft"("body");
CREATE UNIQUE INDEX "Draft_kind_key" ON "Draft"("kind");
ALTER TABLE "Draft" ADD COLUMN "authorId" INTEGER NOT NULL;
ALTER TABLE "Draft" ADD CONSTRAINT "Draft_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id");
ALTER TABLE "Draft" ALTER COLUMN "body" SET NOT NULL;
ALTER TABLE "Draft" ALTER COLUMN "kind" TYPE VARCHAR(20);
ALTER TABLE "Draft" RENAME COLUMN "kind" TO "category";
UPDATE "Draft" SET "body" = '';
DELETE FROM "Draft";
ALTER TABLE "Draft" DROP COLUMN "category";
