-- DropTable
DROP TABLE "Legacy";
