-- DropTable
PRAGMA foreign_keys=off;
DROP TABLE "Legacy";
PRAGMA foreign_keys=on;
