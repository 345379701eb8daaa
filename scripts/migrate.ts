import { getDb } from "@/server/db";
import { applyMigrations, ensureDatabaseExists } from "@/server/migrations/apply-migrations";
import { readEnv } from "@/server/env";
import { ensureDefaultTeam } from "@/server/services/team/ensure-default-team";

const { DATABASE_URL } = readEnv();
if (await ensureDatabaseExists(DATABASE_URL)) console.log("created database");
const applied = await applyMigrations(DATABASE_URL);
console.log(
  applied.length ? `applied ${applied.length} migration(s): ${applied.join(", ")}` : "database is up to date",
);
const team = await ensureDefaultTeam();
console.log(`default team: ${team.slug}`);
await getDb().$disconnect();
