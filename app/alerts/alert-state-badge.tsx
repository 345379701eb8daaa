import { Badge } from "@/app/_components/ui";
import type { AlertRuleOutput } from "@/server/services/alert/alert-rule-output";

const TONES = { inactive: "green", pending: "amber", firing: "red" } as const;
const LABELS = { inactive: "ok", pending: "pending", firing: "firing" } as const;

export function AlertStateBadge({ rule }: { rule: Pick<AlertRuleOutput, "state" | "enabled"> }) {
  if (!rule.enabled && rule.state === "inactive") return <Badge>disabled</Badge>;
  return <Badge tone={TONES[rule.state]}>{LABELS[rule.state]}</Badge>;
}
