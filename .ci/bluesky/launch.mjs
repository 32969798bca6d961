// Starts Bluesky's reference servers (@atproto/dev-env TestNetwork: PLC directory, PDS, AppView,
// bsync, Ozone) for desk's integration test, every one of them listening on 127.0.0.1 only.
//
// TestNetwork's servers call listen(port) with no host, which means every interface. Before the
// servers are even imported, net.Server.prototype.listen is wrapped so that a listen without a
// host (or with a wildcard host) binds 127.0.0.1 instead; tests/integration checks the result
// with `ss -ltnp`.
//
// Environment:
//   DB_POSTGRES_URL   an admin URL of the private cluster (.ci/bluesky/setup.sh writes it)
//   DESK_BSKY_DB      database to drop and recreate at each start (default desk_bsky)
//   DESK_BSKY_{PLC,PDS,APPVIEW,OZONE}_PORT  (defaults 2582, 2583, 2584, 2587)
// Prints one line `DESK_BSKY_READY {json of the URLs}` once the network answers; stops cleanly
// on SIGTERM / SIGINT, or when its stdin closes (the test process went away).
import dns from 'node:dns'
import net from 'node:net'

const HOST = '127.0.0.1'
const WILDCARDS = new Set([undefined, null, '', '0.0.0.0', '::', '::0'])

dns.setDefaultResultOrder('ipv4first') // "localhost" in the servers' own URLs -> 127.0.0.1

const listen = net.Server.prototype.listen
net.Server.prototype.listen = function loopbackOnly(...args) {
  const first = args[0]
  if (first !== null && typeof first === 'object' && !('_handle' in first) && !('fd' in first)) {
    if (!('path' in first) && WILDCARDS.has(first.host)) args[0] = { ...first, host: HOST }
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    if (typeof args[1] === 'string') {
      if (WILDCARDS.has(args[1])) args[1] = HOST
    } else {
      args.splice(1, 0, HOST)
    }
  } else if (first === undefined || typeof first === 'function') {
    args.splice(0, 0, 0, HOST) // listen() / listen(cb): a random port, on loopback
  }
  return listen.apply(this, args)
}

const port = (name, fallback) => Number(process.env[`DESK_BSKY_${name}_PORT`] || fallback)
const ports = {
  plc: port('PLC', 2582),
  pds: port('PDS', 2583),
  appview: port('APPVIEW', 2584),
  ozone: port('OZONE', 2587),
}

const adminUrl = process.env.DB_POSTGRES_URL
if (!adminUrl) {
  console.error('DB_POSTGRES_URL is not set: run .ci/bluesky/setup.sh first')
  process.exit(2)
}
process.env.REDIS_HOST ||= HOST // dev-env only checks that it is set; nothing connects to it

// A fresh database at each start: PLC and PDS keep their state in memory or a temp dir, so old
// AppView rows would point at DIDs that no longer exist.
const dbName = process.env.DESK_BSKY_DB || 'desk_bsky'
if (!/^[a-z_][a-z0-9_]*$/.test(dbName)) throw new Error(`bad DESK_BSKY_DB: ${dbName}`)
const { default: pg } = await import('pg')
const admin = async (...statements) => {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    for (const statement of statements) await client.query(statement)
  } finally {
    await client.end()
  }
}
await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`, `CREATE DATABASE ${dbName}`)
const dbUrl = new URL(adminUrl)
dbUrl.pathname = `/${dbName}`

const { TestNetwork } = await import('@atproto/dev-env')
const started = Date.now()
const network = await TestNetwork.create({
  dbPostgresUrl: dbUrl.toString(),
  dbPostgresSchema: 'desk',
  plc: { port: ports.plc },
  pds: { port: ports.pds, hostname: 'localhost', enableDidDocWithSession: true },
  bsky: { port: ports.appview, publicUrl: `http://localhost:${ports.appview}` },
  ozone: { port: ports.ozone },
})

let stopping = false
const stop = async (why) => {
  if (stopping) return
  stopping = true
  console.log(`DESK_BSKY_STOPPING ${why}`)
  const force = setTimeout(() => process.exit(0), 10_000)
  force.unref()
  try {
    await network.close()
    await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`)
  } catch (err) {
    console.error(`while stopping: ${err?.message ?? err}`)
  } finally {
    process.exit(0)
  }
}
process.on('SIGTERM', () => stop('SIGTERM'))
process.on('SIGINT', () => stop('SIGINT'))
process.stdin.on('end', () => stop('stdin closed'))
process.stdin.on('error', () => stop('stdin error'))
process.stdin.resume()

console.log(
  'DESK_BSKY_READY ' +
    JSON.stringify({
      plc: network.plc.url,
      pds: network.pds.url,
      appview: network.bsky.url,
      ozone: network.ozone.url,
      pid: process.pid,
      startup_ms: Date.now() - started,
    }),
)
