"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { SELECT_CLASS } from "@/app/_components/select";
import { Button, Card, ErrorState, TextField } from "@/app/_components/ui";
import { useTRPC } from "@/app/_trpc/client";
import { ROLES, type Role } from "@/server/domain/access/roles";

const ROLE_HINT: Record<Role, string> = {
  viewer: "reads the registry and calls deployments",
  editor: "also registers versions, deploys, canaries, runs jobs and evaluations",
  admin: "also promotes to production, overrides the gate and manages keys",
};

/** The end of the chosen day in the viewer's time zone: "expires on the 5th" keeps the 5th. */
const endOfDay = (day: string) => new Date(`${day}T23:59:59.999`);

export function NewApiKey() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const deployments = useQuery(trpc.deployment.list.queryOptions());
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("editor");
  const [expiresOn, setExpiresOn] = useState("");
  const [deploymentNames, setDeploymentNames] = useState<string[]>([]);
  const [requestsPerMinute, setRequestsPerMinute] = useState("");
  const create = useMutation(
    trpc.apiKey.create.mutationOptions({
      onSuccess: async () => {
        // The next key starts from a clean form: a copied scope or rate is a mistake waiting.
        setName("");
        setExpiresOn("");
        setDeploymentNames([]);
        setRequestsPerMinute("");
        await queryClient.invalidateQueries({ queryKey: trpc.apiKey.pathKey() });
      },
    }),
  );

  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({
      name: name.trim(),
      role,
      expiresAt: expiresOn ? endOfDay(expiresOn) : undefined,
      deploymentNames,
      requestsPerMinute: requestsPerMinute ? Number(requestsPerMinute) : undefined,
    });
  };
  const toggle = (deployment: string) =>
    setDeploymentNames((names) =>
      names.includes(deployment) ? names.filter((other) => other !== deployment) : [...names, deployment],
    );

  return (
    <Card
      title="New API key"
      description="The key is shown once, right after it is created; only its hash is kept."
    >
      {create.data ? (
        <ShownOnce created={create.data} onDone={() => create.reset()} />
      ) : (
        <form className="space-y-4" onSubmit={submit}>
          <div className="grid gap-3 sm:grid-cols-4">
            <TextField
              id="key-name"
              label="Name"
              placeholder="ci-main"
              value={name}
              maxLength={100}
              onChange={(event) => setName(event.target.value)}
              required
            />
            <div>
              <label htmlFor="key-role" className="block text-sm font-medium text-slate-700">
                Role
              </label>
              <select
                id="key-role"
                className={SELECT_CLASS}
                value={role}
                onChange={(event) => setRole(event.target.value as Role)}
              >
                {ROLES.map((option) => (
                  <option key={option} value={option}>
                    {option}
                  </option>
                ))}
              </select>
              <p className="mt-1 text-xs text-slate-500">{ROLE_HINT[role]}</p>
            </div>
            <TextField
              id="key-expires"
              label="Expires on (optional)"
              type="date"
              value={expiresOn}
              onChange={(event) => setExpiresOn(event.target.value)}
              hint="At the end of that day; empty, never."
            />
            <TextField
              id="key-rate"
              label="Requests a minute (optional)"
              type="number"
              min={1}
              value={requestsPerMinute}
              onChange={(event) => setRequestsPerMinute(event.target.value)}
              hint="On the gateway; over it, 429."
            />
          </div>
          <fieldset>
            <legend className="text-sm font-medium text-slate-700">Deployments</legend>
            <p className="text-xs text-slate-500">None chosen: every deployment of the team.</p>
            <div className="mt-2 flex flex-wrap gap-x-4 gap-y-1">
              {(deployments.data ?? []).map((deployment) => (
                <label key={deployment.name} className="inline-flex items-center gap-1.5 text-sm">
                  <input
                    type="checkbox"
                    checked={deploymentNames.includes(deployment.name)}
                    onChange={() => toggle(deployment.name)}
                  />
                  {deployment.name}
                </label>
              ))}
            </div>
          </fieldset>
          {create.error && <ErrorState title="Key not created" message={create.error.message} />}
          <Button type="submit" disabled={!name.trim() || create.isPending}>
            {create.isPending ? "Creating…" : "Create key"}
          </Button>
        </form>
      )}
    </Card>
  );
}

function ShownOnce({ created, onDone }: { created: { name: string; key: string }; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await navigator.clipboard.writeText(created.key);
    setCopied(true);
  };
  return (
    <div role="status" className="space-y-3">
      <p className="text-sm text-slate-700">
        Key <span className="font-medium">{created.name}</span> is ready. Copy it now: it is not shown again.
      </p>
      <div className="flex items-center gap-2">
        <code
          aria-label="New API key"
          className="flex-1 overflow-x-auto rounded-md bg-slate-900 px-3 py-2 font-mono text-sm text-slate-50"
        >
          {created.key}
        </code>
        <Button variant="secondary" onClick={() => void copy()}>
          {copied ? "Copied" : "Copy"}
        </Button>
      </div>
      <Button onClick={onDone}>Done</Button>
    </div>
  );
}
