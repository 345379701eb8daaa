export { default, titleFromName as generateMetadata } from "@/app/_components/page-title";
