import { rm } from "node:fs/promises";
import { readEnv } from "@/server/env";
import { startDemo } from "@/scripts/demo/start";
import { createDatabase } from "@/test/support/databases";

// Every browser run starts from an empty database and artifact store, then runs the same
// command a user runs: `npm run demo` (migrate, seed, build when needed, start).
const { DATABASE_URL, ARTIFACT_DIR } = readEnv();
await createDatabase(decodeURIComponent(new URL(DATABASE_URL).pathname.slice(1)));
await rm(ARTIFACT_DIR, { recursive: true, force: true });
await startDemo(Number(process.env.PORT));
