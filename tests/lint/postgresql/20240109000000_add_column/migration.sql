-- A required column without a default is flagged; with a default it is safe (PostgreSQL 11+).
ALTER TABLE "Post" ADD COLUMN "slug" TEXT NOT NULL;
ALTER TABLE "Post" ADD COLUMN "status" TEXT NOT NULL DEFAULT 'draft';
ALTER TABLE "Post" ADD COLUMN "summary" TEXT;
