import { segmentTitle } from "@/app/_components/page-title";

export { default } from "@/app/_components/page-title";
export const metadata = segmentTitle("Alerts");
