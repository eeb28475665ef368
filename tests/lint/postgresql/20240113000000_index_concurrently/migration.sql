-- Safe: built without blocking writes (it runs outside a transaction).
CREATE INDEX CONCURRENTLY "Post_views_idx" ON "Post"("views");
