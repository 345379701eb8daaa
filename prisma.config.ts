import { defineConfig } from "prisma/config";

// A fallback URL keeps `prisma generate` working where DATABASE_URL is unset (CI, fresh clones):
// generate never connects.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/mlops" },
});
