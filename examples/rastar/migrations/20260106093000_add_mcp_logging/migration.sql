-- AlterTable
ALTER TABLE "users" ADD COLUMN     "mcp_enabled" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "mcp_logs" (
    "id" SERIAL NOT NULL,
    "user_id" INTEGER,
    "tool" TEXT NOT NULL,
    "request" TEXT NOT NULL,
    "response" TEXT,
    "duration_ms" INTEGER NOT NULL,
    "success" BOOLEAN NOT NULL DEFAULT true,
    "error" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "mcp_logs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "mcp_logs_tool_created_at_idx" ON "mcp_logs"("tool", "created_at");

-- CreateIndex
CREATE INDEX "mcp_logs_user_id_idx" ON "mcp_logs"("user_id");

-- AddForeignKey
ALTER TABLE "mcp_logs" ADD CONSTRAINT "mcp_logs_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
