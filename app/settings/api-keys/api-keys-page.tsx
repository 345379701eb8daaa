"use client";

import { PageHeader } from "@/app/_components/ui";
import { ApiKeyTable } from "./api-key-table";
import { NewApiKey } from "./new-api-key";

export function ApiKeysPage() {
  return (
    <>
      <PageHeader
        title="API keys"
        subtitle="Keys let CI pipelines and inference clients act in this team: send one as 'Authorization: Bearer mlk_…'."
      />
      <NewApiKey />
      <ApiKeyTable />
    </>
  );
}
