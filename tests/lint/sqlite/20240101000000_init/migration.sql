-- CreateTable
CREATE TABLE "User" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "email" TEXT NOT NULL,
    "name" TEXT,
    "age" INTEGER,
    "nickname" TEXT
);

-- CreateTable
CREATE TABLE "Post" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "title" TEXT,
    "views" INTEGER NOT NULL DEFAULT 0,
    "authorId" INTEGER NOT NULL
);

CREATE TABLE "Legacy" ("id" INTEGER);
CREATE TABLE "Tag" ("id" INTEGER PRIMARY KEY, "label" TEXT);

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");
