-- CreateTable
CREATE TABLE "Broken" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL
    "oops" TEXT
);
