"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/app/_trpc/client";
import { ConfirmDialog } from "@/app/_components/confirm-dialog";
import { Button } from "@/app/_components/ui";
import { useCaller } from "@/app/_components/use-caller";

/** Whether promotions need a second person, and the switch that turns it on or off. */
export function ApprovalSetting({ deploymentName, required }: { deploymentName: string; required: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [isAsking, setIsAsking] = useState(false);
  const { may } = useCaller();
  const setApproval = useMutation(
    trpc.deployment.setApproval.mutationOptions({
      onSettled: async () => {
        setIsAsking(false);
        await queryClient.invalidateQueries({ queryKey: trpc.deployment.pathKey() });
      },
    }),
  );
  const label = required ? "Stop requiring approval" : "Require approval";
  return (
    <div className="flex flex-wrap items-center gap-3">
      <span>
        {required
          ? "required: promotions wait for a second person's approval"
          : "not required: admins promote directly"}
      </span>
      {may("deployment.setApproval") && (
        <Button variant="secondary" onClick={() => setIsAsking(true)}>
          {label}
        </Button>
      )}
      {setApproval.error && (
        <p role="alert" className="w-full text-sm text-red-700">
          {setApproval.error.message}
        </p>
      )}
      <ConfirmDialog
        open={isAsking}
        title={`${label} on ${deploymentName}?`}
        confirmLabel={label}
        pending={setApproval.isPending}
        onCancel={() => setIsAsking(false)}
        onConfirm={() => setApproval.mutate({ name: deploymentName, required: !required })}
      >
        <p>
          {required
            ? "Promotions apply at once again; pending requests stay open until someone decides them."
            : "Promote becomes Request promotion: a version takes production only once someone other than its requester approves."}
        </p>
      </ConfirmDialog>
    </div>
  );
}
