// Lint holds the layers (see ../shared/DESIGN.md, "Where code lives"): a boundary broken here fails
// `npm run lint`, which `npm test` and CI run. test/unit/lint-boundaries.test.ts proves each rule bites.
import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

/** Product code never reaches into dev utilities, benchmarks or tests. */
const DEV_TREES = [
  {
    group: ["@/scripts/*", "@/bench/*", "@/test/*", "**/scripts/**", "**/bench/**", "**/test/**"],
    message: "product code (app, server, workers) must not import scripts/, bench/ or test/",
  },
];

/** server/domain is pure logic: anything that does I/O lives in services, the gateway or workers. */
const IO_MODULES = [
  {
    group: ["node:*", "fs", "fs/*", "net", "http", "https", "child_process", "worker_threads", "os", "path"],
    message: "server/domain is pure: no Node I/O modules",
  },
  {
    group: [
      "ioredis",
      "bullmq",
      "pg",
      "@prisma/*",
      "prisma",
      "onnxruntime-node",
      "fastify",
      "next",
      "next/*",
      "pino",
    ],
    message: "server/domain is pure: no database, queue, runtime or framework imports",
  },
  {
    group: ["@/server/*", "!@/server/domain", "@/generated/*", "@/workers/*", "@/app/*"],
    message: "server/domain imports only server/domain (and zod)",
  },
];

/** Pages and components run in the browser: from server they take types, and pure domain helpers. */
const SERVER_FROM_PAGES = [
  {
    // The monitoring contracts are pure too (names of error kinds, ranges, schemas): the charts use them.
    group: [
      "@/server/*",
      "!@/server/domain",
      "!@/server/contracts",
      "@/server/contracts/*",
      "!@/server/contracts/live-counters",
      "!@/server/contracts/monitoring-api",
      "@/generated/*",
      "@/workers/*",
    ],
    allowTypeImports: true,
    message: "pages import only types from server (runtime code from server/domain only)",
  },
];

const dynamicImportOf = (pattern, message) => ({
  selector: `ImportExpression[source.value=/${pattern}/]`,
  message,
});
const NO_DYNAMIC_DEV_IMPORTS = dynamicImportOf(
  "^(@\\/|(\\.\\.\\/)+)(scripts|bench|test)\\/",
  "product code must not import scripts/, bench/ or test/, not even with import()",
);

const restrict = (...patternLists) => ["error", { patterns: patternLists.flat() }];

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      ".next/",
      "generated/",
      "data/",
      "test-results/",
      "playwright-report/",
      "next-env.d.ts",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
      ],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "no-console": "off",
    },
  },
  {
    files: ["app/**/*.{ts,tsx}"],
    plugins: { "react-hooks": reactHooks },
    languageOptions: { globals: { ...globals.browser } },
    rules: { ...reactHooks.configs.recommended.rules },
  },
  {
    files: ["server/**/*.ts", "workers/**/*.ts", "app/api/**/*.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": restrict(DEV_TREES),
      "no-restricted-syntax": ["error", NO_DYNAMIC_DEV_IMPORTS],
    },
  },
  {
    files: ["app/**/*.{ts,tsx}"],
    // Route handlers, and the tRPC proxy that server components prefetch through, run on the server.
    ignores: ["app/api/**", "app/_trpc/server.tsx"],
    rules: {
      "@typescript-eslint/no-restricted-imports": restrict(DEV_TREES, SERVER_FROM_PAGES),
      "no-restricted-syntax": ["error", NO_DYNAMIC_DEV_IMPORTS],
    },
  },
  {
    files: ["server/domain/**/*.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": restrict(DEV_TREES, IO_MODULES),
      "no-restricted-syntax": [
        "error",
        NO_DYNAMIC_DEV_IMPORTS,
        dynamicImportOf(
          "^(node:|@\\/(server\\/(?!domain)|generated|workers)|ioredis|bullmq|pg$|onnxruntime)",
          "server/domain is pure, not even with import()",
        ),
      ],
    },
  },
);
