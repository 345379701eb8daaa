"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { AccountPanel } from "@/app/_components/account-panel";

const NAV_ITEMS = [
  { href: "/", label: "Overview" },
  { href: "/deployments", label: "Deployments" },
  { href: "/models", label: "Models" },
  { href: "/feature-sets", label: "Feature sets" },
  { href: "/jobs", label: "Batch jobs" },
  { href: "/alerts", label: "Alerts" },
  { href: "/audit", label: "Audit log" },
  { href: "/settings/webhooks", label: "Webhooks" },
  { href: "/settings/api-keys", label: "API keys" },
  { href: "/settings/members", label: "Members" },
] as const;

export function SideNav() {
  const pathname = usePathname();
  return (
    <nav aria-label="Main" className="w-56 shrink-0 border-r border-slate-200 bg-white px-3 py-5">
      <Link
        href="/"
        className="mb-6 flex items-center gap-2 px-2 text-sm font-semibold tracking-tight text-slate-900"
      >
        <span aria-hidden className="inline-block h-6 w-6 rounded-md bg-indigo-600" />
        MLOps console
      </Link>
      <ul className="space-y-1">
        {NAV_ITEMS.map((item) => {
          const active =
            pathname === item.href || (item.href !== "/" && pathname.startsWith(`${item.href}/`));
          return (
            <li key={item.href}>
              <Link
                href={item.href}
                aria-current={active ? "page" : undefined}
                className={`block rounded-md px-2 py-1.5 text-sm ${
                  active
                    ? "bg-indigo-50 font-medium text-indigo-700"
                    : "text-slate-600 hover:bg-slate-100 hover:text-slate-900"
                }`}
              >
                {item.label}
              </Link>
            </li>
          );
        })}
      </ul>
      <div className="mt-6 border-t border-slate-100 pt-4">
        <AccountPanel />
      </div>
    </nav>
  );
}
