/**
 * The entry point of a script that forks copies of itself as workers (the
 * mutation check, the detection proof): started with `--worker`, the copy
 * waits for its share of the work, hands each result back as it comes and
 * exits 2 on an error; otherwise the script's main runs and its resolved
 * number is the exit status.
 */
function scriptOrWorker(name, main, work) {
  if (process.argv[2] === '--worker') {
    process.once('message', (share) => {
      work(share, (result) => process.send(result)).then(() => process.disconnect(), (e) => {
        console.error(e.stack ?? String(e));
        process.exit(2);
      });
    });
  } else {
    main().then((code) => {
      process.exitCode = code;
    }, (e) => {
      console.error(`${name}: ${e.stack ?? e}`);
      process.exitCode = 2;
    });
  }
}

module.exports = { scriptOrWorker };
