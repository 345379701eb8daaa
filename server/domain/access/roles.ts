/**
 * Who may do what in a team. A role grants everything the roles below it grant; each action has
 * the least role that may take it. Procedures, gateway routes and downloads name their action, so
 * a new procedure cannot forget its check, and this table is the one place the policy is read.
 */

export const ROLES = ["viewer", "editor", "admin"] as const;
export type Role = (typeof ROLES)[number];

export function roleAtLeast(role: Role, least: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(least);
}

/** `doing` completes "… needs the admin role", so a refusal reads as one sentence. */
const ACTIONS = {
  read: { least: "viewer", doing: "reading the team's registry" },
  infer: { least: "viewer", doing: "calling a deployment" },
  "model.register": { least: "editor", doing: "registering models and versions" },
  "featureSet.write": { least: "editor", doing: "changing feature sets" },
  "goldenSet.upload": { least: "editor", doing: "uploading golden sets" },
  "evaluation.start": { least: "editor", doing: "starting evaluations" },
  "batchJob.run": { least: "editor", doing: "running batch jobs" },
  "deployment.deploy": { least: "editor", doing: "creating and configuring deployments" },
  "deployment.canary": { least: "editor", doing: "starting or moving a canary" },
  "deployment.shadow": { least: "editor", doing: "adding or removing a shadow" },
  // The previous revision already served: whoever runs a canary must be able to undo it at once.
  "deployment.rollback": { least: "editor", doing: "rolling back" },
  "promotion.request": { least: "editor", doing: "requesting a promotion" },
  "feedback.record": { least: "editor", doing: "sending ground-truth labels" },
  "promotion.withdraw": { least: "editor", doing: "withdrawing a promotion request" },
  "alert.manage": { least: "editor", doing: "managing alert rules" },
  "deployment.promote": { least: "admin", doing: "promoting to production" },
  "deployment.setWeights": { least: "admin", doing: "setting traffic weights" },
  "deployment.restore": { least: "admin", doing: "restoring an earlier revision" },
  "deployment.setGate": { least: "admin", doing: "changing the evaluation gate" },
  "gate.override": { least: "admin", doing: "overriding the evaluation gate" },
  "deployment.setApproval": { least: "admin", doing: "changing whether promotions need approval" },
  "promotion.decide": { least: "admin", doing: "approving or rejecting a promotion request" },
  "apiKey.manage": { least: "admin", doing: "managing API keys" },
  "member.manage": { least: "admin", doing: "managing members" },
  "webhook.manage": { least: "admin", doing: "managing webhooks" },
} as const satisfies Record<string, { least: Role; doing: string }>;

export type Action = keyof typeof ACTIONS;

export function leastRoleFor(action: Action): Role {
  return ACTIONS[action].least;
}

/** The sentence a caller with `role` gets for `action`, or null when the role is enough. */
export function roleProblem(action: Action, role: Role, holder: string): string | null {
  const { least, doing } = ACTIONS[action];
  if (roleAtLeast(role, least)) return null;
  return `${doing} needs the ${least} role; ${holder} ${role}`;
}
