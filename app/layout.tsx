import type { Metadata } from "next";
import type { ReactNode } from "react";
import { Providers } from "@/app/_trpc/provider";
import { segmentTitle } from "@/app/_components/page-title";
import { SideNav } from "@/app/_components/side-nav";
import "./globals.css";

export const metadata: Metadata = {
  ...segmentTitle("MLOps console"),
  description: "Register, serve and watch ONNX models",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <Providers>
          <div className="flex min-h-screen">
            <SideNav />
            <main className="min-w-0 flex-1 px-8 py-6">{children}</main>
          </div>
        </Providers>
      </body>
    </html>
  );
}
