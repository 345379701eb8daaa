import Link from "next/link";
import { segmentTitle } from "@/app/_components/page-title";
import { Card, PageHeader } from "@/app/_components/ui";

export const metadata = segmentTitle("Not found");

/** Any path the console has no page for, and pages whose model or deployment does not exist. */
export default function NotFound() {
  return (
    <>
      <PageHeader title="Page not found" subtitle="Nothing lives at this address." />
      <Card>
        <p className="text-sm text-slate-700">
          The link may be old, or the model, feature set or deployment it named was renamed or never existed
          in your team.
        </p>
        <ul className="mt-4 flex flex-wrap gap-4 text-sm">
          <li>
            <Link href="/" className="font-medium text-indigo-700 hover:underline">
              Overview
            </Link>
          </li>
          <li>
            <Link href="/deployments" className="font-medium text-indigo-700 hover:underline">
              Deployments
            </Link>
          </li>
          <li>
            <Link href="/models" className="font-medium text-indigo-700 hover:underline">
              Models
            </Link>
          </li>
        </ul>
      </Card>
    </>
  );
}
