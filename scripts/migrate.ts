import { getDb } from "@/server/db";
import { applyMigrations, ensureDatabaseExists } from "@/server/migrations/apply-migrations";
import { readEnv, readEnvOrExit } from "@/server/env";
import { ensureDefaultTeam } from "@/server/services/team/ensure-default-team";
import { exitIfServiceMissing, preparePostgres } from "@/scripts/services/preflight";

const { DATABASE_URL } = readEnvOrExit(readEnv);
// Without a server, help naming the URL and the command that brings one, not ECONNREFUSED.
await preparePostgres({
  url: DATABASE_URL,
  configured: process.env.DATABASE_URL !== undefined,
  rerun: "npm run db:migrate",
}).catch(exitIfServiceMissing);
if (await ensureDatabaseExists(DATABASE_URL)) console.log("created database");
const applied = await applyMigrations(DATABASE_URL);
console.log(
  applied.length ? `applied ${applied.length} migration(s): ${applied.join(", ")}` : "database is up to date",
);
const team = await ensureDefaultTeam();
console.log(`default team: ${team.slug}`);
await getDb().$disconnect();
