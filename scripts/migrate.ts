import { applyMigrations, ensureDatabaseExists } from "@/server/migrations/apply-migrations";
import { readEnv, readEnvOrExit } from "@/server/env";

const { DATABASE_URL } = readEnvOrExit(readEnv);
if (await ensureDatabaseExists(DATABASE_URL)) console.log("created database");
const applied = await applyMigrations(DATABASE_URL);
console.log(
  applied.length ? `applied ${applied.length} migration(s): ${applied.join(", ")}` : "database is up to date",
);
