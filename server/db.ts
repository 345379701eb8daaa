import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/generated/prisma/client";
import { readEnv } from "@/server/env";

export type Db = PrismaClient;

export function createDb(connectionString: string): Db {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString }) });
}

// One client per process; cached on globalThis so Next.js hot reloads do not open new pools.
const globalForDb = globalThis as unknown as { mlopsDb?: Db };

export function getDb(): Db {
  globalForDb.mlopsDb ??= createDb(readEnv().DATABASE_URL);
  return globalForDb.mlopsDb;
}
