"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ConfirmDialog } from "@/app/_components/confirm-dialog";
import { QueryState } from "@/app/_components/query-state";
import { SELECT_CLASS } from "@/app/_components/select";
import { RelativeTime } from "@/app/_components/time";
import { Badge, Button, Card, DataTable, PageHeader, TextField } from "@/app/_components/ui";
import { useTRPC } from "@/app/_trpc/client";
import type { MemberOutput } from "@/server/services/team/member-output";

type Role = MemberOutput["role"];
const ROLE_CHOICES: { role: Role; means: string }[] = [
  { role: "viewer", means: "reads the registry, deployments and charts" },
  { role: "editor", means: "also registers versions, deploys and runs canaries" },
  { role: "admin", means: "also promotes to production and manages members and keys" },
];

export function MembersPage() {
  const trpc = useTRPC();
  const members = useQuery(trpc.member.list.queryOptions());
  const session = useQuery(trpc.session.me.queryOptions());
  // Signed out, the console acts as its local admin (where sign-in is not required).
  const canManage = !session.data?.user || session.data.current?.role === "admin";
  return (
    <>
      <PageHeader
        title="Members"
        subtitle={
          session.data?.current
            ? `Who may act in ${session.data.current.teamName}, and with which role.`
            : "Who may act in this team, and with which role."
        }
      />
      {canManage && <AddMemberForm />}
      <Card
        title="Members"
        description={canManage ? undefined : "Only the team's admins change members and their roles."}
      >
        <QueryState query={members}>
          {(rows) => (
            <DataTable caption="Members" columns={["Email", "Name", "Role", "Joined", ""]}>
              {rows.map((member) => (
                <MemberRow key={member.email} member={member} canManage={canManage} />
              ))}
            </DataTable>
          )}
        </QueryState>
      </Card>
    </>
  );
}

function useInvalidateMembers() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.member.pathKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.session.pathKey() }),
    ]);
}

function AddMemberForm() {
  const trpc = useTRPC();
  const invalidate = useInvalidateMembers();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const add = useMutation(
    trpc.member.add.mutationOptions({
      onSuccess: async () => {
        setEmail("");
        await invalidate();
      },
    }),
  );
  return (
    <Card
      title="Add a member"
      description="They must have signed in to the console once, by password or single sign-on."
    >
      <form
        className="grid max-w-2xl gap-4 sm:grid-cols-[1fr_12rem_auto] sm:items-end"
        onSubmit={(event) => {
          event.preventDefault();
          add.mutate({ email, role });
        }}
      >
        <TextField
          id="member-email"
          label="Email"
          type="email"
          required
          value={email}
          onChange={(event) => setEmail(event.target.value)}
        />
        <div>
          <label htmlFor="member-role" className="block text-sm font-medium text-slate-700">
            Role
          </label>
          <select
            id="member-role"
            className={SELECT_CLASS}
            value={role}
            onChange={(event) => setRole(event.target.value as Role)}
          >
            {ROLE_CHOICES.map((choice) => (
              <option key={choice.role} value={choice.role}>
                {choice.role}
              </option>
            ))}
          </select>
        </div>
        <Button type="submit" disabled={add.isPending}>
          {add.isPending ? "Adding…" : "Add member"}
        </Button>
      </form>
      <p className="mt-2 text-xs text-slate-500">
        {ROLE_CHOICES.find((choice) => choice.role === role)?.means}
      </p>
      {add.error && (
        <p role="alert" className="mt-2 text-sm text-red-700">
          {add.error.message}
        </p>
      )}
    </Card>
  );
}

function MemberRow({ member, canManage }: { member: MemberOutput; canManage: boolean }) {
  const trpc = useTRPC();
  const invalidate = useInvalidateMembers();
  const [confirmingRemoval, setConfirmingRemoval] = useState(false);
  const setRole = useMutation(trpc.member.setRole.mutationOptions({ onSettled: invalidate }));
  const remove = useMutation(
    trpc.member.remove.mutationOptions({
      onSettled: async () => {
        setConfirmingRemoval(false);
        await invalidate();
      },
    }),
  );
  const error = setRole.error ?? remove.error;
  return (
    <tr className="align-top">
      <td className="px-3 py-2 font-medium">{member.email}</td>
      <td className="px-3 py-2 text-slate-600">{member.name}</td>
      <td className="px-3 py-2">
        {canManage ? (
          <select
            aria-label={`Role of ${member.email}`}
            className={`${SELECT_CLASS} mt-0 w-32`}
            value={member.role}
            disabled={setRole.isPending}
            onChange={(event) => setRole.mutate({ email: member.email, role: event.target.value as Role })}
          >
            {ROLE_CHOICES.map((choice) => (
              <option key={choice.role} value={choice.role}>
                {choice.role}
              </option>
            ))}
          </select>
        ) : (
          <Badge tone={member.role === "admin" ? "indigo" : "slate"}>{member.role}</Badge>
        )}
        {error && (
          <p role="alert" className="mt-1 max-w-xs text-xs text-red-700">
            {error.message}
          </p>
        )}
      </td>
      <td className="px-3 py-2 text-slate-500">
        <RelativeTime date={member.joinedAt} />
      </td>
      <td className="px-3 py-2 text-right">
        {canManage && (
          <Button variant="secondary" onClick={() => setConfirmingRemoval(true)}>
            Remove
          </Button>
        )}
        <ConfirmDialog
          open={confirmingRemoval}
          title={`Remove ${member.email}?`}
          confirmLabel="Remove member"
          pending={remove.isPending}
          onCancel={() => setConfirmingRemoval(false)}
          onConfirm={() => remove.mutate({ email: member.email })}
        >
          <p>
            They stop acting in this team at once. Their account stays, with any other team they belong to,
            and an admin can add them again.
          </p>
        </ConfirmDialog>
      </td>
    </tr>
  );
}
