-- rastar-init: allow drop-column
ALTER TABLE "User" DROP COLUMN "age";

-- rastar-init: allow update-without-where, delete-without-where
UPDATE "Post" SET "title" = upper("title");

-- An allow comment two lines up does not count.
-- rastar-init: allow truncate

TRUNCATE "Post";
-- rastar-init: allow drop-tabel
DROP TABLE "Label";
