#!/usr/bin/env node
import { cli } from "../dist/entrypoint/fast-execute.js";

await cli();
