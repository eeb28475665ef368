-- A RedefineTables that only adds a nullable column and an index is not flagged.
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Tag" ("id" INTEGER PRIMARY KEY, "label" TEXT, "color" TEXT);
INSERT INTO "new_Tag" ("id", "label") SELECT "id", "label" FROM "Tag";
DROP TABLE "Tag";
ALTER TABLE "new_Tag" RENAME TO "Tag";
CREATE INDEX "Tag_label_idx" ON "Tag"("label");
PRAGMA foreign_keys=ON;
