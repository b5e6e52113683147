#!/usr/bin/env node
import { cli } from "../dist/entrypoint/map-execute.js";

await cli();
