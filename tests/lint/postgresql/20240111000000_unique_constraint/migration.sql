ALTER TABLE "Post" ADD CONSTRAINT "Post_title_key" UNIQUE ("title");
-- The safe form: the index built concurrently first, then the constraint on it.
ALTER TABLE "Audit" ADD CONSTRAINT "Audit_at_key" UNIQUE USING INDEX "Audit_at_idx";
