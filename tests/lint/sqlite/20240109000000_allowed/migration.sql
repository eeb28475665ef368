-- rastar-init: allow drop-table
DROP TABLE "Label";
-- rastar-init: allow delete-without-where
DELETE FROM "User";
