-- AddForeignKey
ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "Post" ADD CONSTRAINT "Post_views_check" CHECK ("views" >= 0);
-- The safe form: NOT VALID, then VALIDATE.
ALTER TABLE "Audit" ADD CONSTRAINT "Audit_id_check" CHECK ("id" > 0) NOT VALID;
ALTER TABLE "Audit" VALIDATE CONSTRAINT "Audit_id_check";
