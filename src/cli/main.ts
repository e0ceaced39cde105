#!/usr/bin/env node
/**
 * The `rushnet` command line. The commands arrive with later work; for now it prints help.
 */
import { Command } from 'commander';

const program = new Command('rushnet')
  .description('Decentralized parallel computing over Redis')
  .showHelpAfterError()
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));

program.action(() => program.help());
program.parse();
