// duckdb_tab.mjs - the DuckDB reference for the ocstat benchmark.
//
//   node bench/duckdb_tab.mjs FILE [--threads N] [--out PATH] [--check]
//                                  [--compare OCSTAT_OUTPUT.csv]
//
// Runs, with DuckDB's engine in-process (npm @duckdb/node-api), the query that
// matches `ocstat tabulate --schema bench/data/bench.yaml
// --by YEAR,REGION,SEX,AGE --totals --min-count 3 FILE` as closely as plain SQL
// allows:
//   * read_csv of FILE (plain or .gz, RFC 4180 quoting: "a, b" and "" inside),
//   * sex M/F kept, U / empty -> _U,
//   * age banded 0-14/15-29/30-44/45-59/60+ (ICCS), empty or "unknown" -> _U,
//   * GROUP BY CUBE(...) for the margins (_T = total), count(*),
//   * counts below 3 blanked (primary suppression only),
// and writes the result as CSV to PATH (default /dev/null).  It prints the
// number of output cells and the number of input rows on stderr.
// --compare reads ocstat's CSV output for the same FILE and exits 1 unless its
// non-zero cells equal DuckDB's cells (value, OBS_STATUS, CONF_STATUS).
// --check prints distribution summaries of FILE (to eyeball gen.c).
//
// Differences from ocstat (see README.md): no full cross product (empty cells are
// absent), no secondary suppression, no validation of the offence / role columns
// against the code lists, no reject handling.
import { DuckDBInstance } from '@duckdb/node-api';

function usage(code) {
  (code ? console.error : console.log)(
    'usage: node duckdb_tab.mjs FILE [--threads N] [--out PATH] [--check] [--compare OCSTAT.csv]');
  process.exit(code);
}

const args = process.argv.slice(2);
let file = null;
let threads = 2;
let out = '/dev/null';
let check = false;
let compare = null;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '-h' || a === '--help') usage(0);
  else if (a === '--threads' && i + 1 < args.length) threads = Number(args[++i]);
  else if (a === '--out' && i + 1 < args.length) out = args[++i];
  else if (a === '--check') check = true;
  else if (a === '--compare' && i + 1 < args.length) compare = args[++i];
  else if (!file && !a.startsWith('--')) file = a;
  else usage(2);
}
if (!file || !Number.isInteger(threads) || threads < 1) usage(2);

const sqlStr = (s) => "'" + String(s).replaceAll("'", "''") + "'";
const gz = file.endsWith('.gz');

const src = `read_csv(${sqlStr(file)},
    header = true, delim = ',', quote = '"', escape = '"',
    compression = ${gz ? "'gzip'" : "'none'"},
    columns = {'id': 'BIGINT', 'year': 'INTEGER', 'region': 'VARCHAR',
               'offence': 'VARCHAR', 'sex': 'VARCHAR', 'age': 'VARCHAR',
               'role': 'VARCHAR', 'note': 'VARCHAR'})`;

const coded = `
  SELECT CAST(year AS VARCHAR) AS "YEAR",
         region AS "REGION",
         CASE sex WHEN 'M' THEN 'M' WHEN 'F' THEN 'F' ELSE '_U' END AS "SEX",
         CASE WHEN a IS NULL THEN '_U'
              WHEN a <= 14 THEN 'Y0T14'
              WHEN a <= 29 THEN 'Y15T29'
              WHEN a <= 44 THEN 'Y30T44'
              WHEN a <= 59 THEN 'Y45T59'
              ELSE 'Y_GE60' END AS "AGE"
  FROM (SELECT year, region, sex,
               TRY_CAST(NULLIF(NULLIF(age, ''), 'unknown') AS INTEGER) AS a
        FROM ${src})`;

const cube = `
  SELECT COALESCE("YEAR", '_T') AS "YEAR", COALESCE("REGION", '_T') AS "REGION",
         COALESCE("SEX", '_T') AS "SEX", COALESCE("AGE", '_T') AS "AGE",
         CASE WHEN n < 3 THEN NULL ELSE n END AS "OBS_VALUE",
         CASE WHEN n < 3 THEN 'Q' ELSE 'A' END AS "OBS_STATUS",
         CASE WHEN n < 3 THEN 'A' ELSE 'F' END AS "CONF_STATUS",
         n AS raw_n
  FROM (SELECT "YEAR", "REGION", "SEX", "AGE", count(*) AS n
        FROM (${coded})
        GROUP BY CUBE ("YEAR", "REGION", "SEX", "AGE"))`;

const instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const conn = await instance.connect();

const t0 = process.hrtime.bigint();
await conn.run(`CREATE TEMP TABLE result AS ${cube}`);
await conn.run(`COPY (SELECT * EXCLUDE (raw_n) FROM result
                      ORDER BY "YEAR", "REGION", "SEX", "AGE")
                TO ${sqlStr(out)} (FORMAT csv, HEADER true)`);
const r = await conn.runAndReadAll(
  `SELECT count(*)::BIGINT AS cells,
          max(raw_n) FILTER (WHERE "YEAR" = '_T' AND "REGION" = '_T'
                             AND "SEX" = '_T' AND "AGE" = '_T')::BIGINT AS total,
          count(*) FILTER (WHERE raw_n < 3)::BIGINT AS suppressed
   FROM result`);
const t1 = process.hrtime.bigint();
const [cells, total, suppressed] = r.getRows()[0].map(Number);
console.error(`duckdb: ${total} rows in, ${cells} cells out (${suppressed} < 3), ` +
              `${(Number(t1 - t0) / 1e9).toFixed(2)} s, threads=${threads}`);

if (check) {
  // distribution summary of the generated data, for eyeballing gen.c
  for (const q of [
    `SELECT "SEX", raw_n FROM result WHERE "YEAR"='_T' AND "REGION"='_T' AND "AGE"='_T' ORDER BY 1`,
    `SELECT "AGE", raw_n FROM result WHERE "YEAR"='_T' AND "REGION"='_T' AND "SEX"='_T' ORDER BY 1`,
    `SELECT "YEAR", raw_n FROM result WHERE "AGE"='_T' AND "REGION"='_T' AND "SEX"='_T' ORDER BY 1`,
    `SELECT "REGION", raw_n FROM result WHERE "AGE"='_T' AND "YEAR"='_T' AND "SEX"='_T'
       AND "REGION" <> '_T' ORDER BY raw_n DESC LIMIT 10`,
    `SELECT offence, count(*) n FROM ${src} GROUP BY 1 ORDER BY 2 DESC`,
    `SELECT role, count(*) n FROM ${src} GROUP BY 1 ORDER BY 1`,
    `SELECT count(*) FILTER (WHERE note LIKE '%,%') AS comma_notes,
            count(*) FILTER (WHERE note LIKE '%"%') AS quote_notes,
            count(*) FILTER (WHERE note IS NULL) AS empty_notes,
            count(*) FILTER (WHERE age = 'unknown') AS age_unknown,
            count(*) FILTER (WHERE age IS NULL) AS age_empty,
            count(*) FILTER (WHERE sex IS NULL) AS sex_empty
     FROM ${src}`,
  ]) {
    const rr = await conn.runAndReadAll(q);
    console.error(rr.getRows().map((row) => row.map(String).join('\t')).join('\n'));
    console.error('--');
  }
}
let exitCode = 0;
if (compare) {
  const oc = `(SELECT * FROM read_csv(${sqlStr(compare)}, header = true, all_varchar = true)
               WHERE COALESCE("OBS_VALUE", '') <> '0')`;
  const mine = `(SELECT "YEAR", "REGION", "SEX", "AGE", CAST("OBS_VALUE" AS VARCHAR) AS "OBS_VALUE",
                        "OBS_STATUS", "CONF_STATUS" FROM result)`;
  const rr = await conn.runAndReadAll(`
    SELECT (SELECT count(*) FROM ${oc})::BIGINT,
           (SELECT count(*) FROM (SELECT * FROM ${oc} EXCEPT ALL SELECT * FROM ${mine}))::BIGINT,
           (SELECT count(*) FROM (SELECT * FROM ${mine} EXCEPT ALL SELECT * FROM ${oc}))::BIGINT`);
  const [n, onlyOc, onlyDuck] = rr.getRows()[0].map(Number);
  const same = onlyOc === 0 && onlyDuck === 0 && n === cells;
  console.error(`compare: ocstat ${n} non-zero cells, duckdb ${cells}; ` +
                `only in ocstat ${onlyOc}, only in duckdb ${onlyDuck}: ` +
                (same ? 'IDENTICAL' : 'DIFFERENT'));
  if (!same) exitCode = 1;
}
conn.closeSync?.();
process.exitCode = exitCode;
