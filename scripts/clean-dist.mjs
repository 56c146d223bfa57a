// Before packing: an empty dist/, so a module deleted from src/ cannot ship as a stale build.
import { rmSync } from "node:fs";
rmSync(new URL("../dist/", import.meta.url), { recursive: true, force: true });
