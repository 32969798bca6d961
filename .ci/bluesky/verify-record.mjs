// Verifies a record proof with Bluesky's own code, for tests/integration.
//
//   node verify-record.mjs <proof.car> <did> <plc url>
//
// <proof.car> is the answer of com.atproto.sync.getRecord: the repo's signed commit, the MST
// path to the record and the record. The repo's signing key comes from the DID document in the
// PLC directory; @atproto/repo's verifyRecords checks the commit's DID and signature and walks
// the MST. Prints {"signingKey", "records": [{collection, rkey, record}]} as JSON; exits 1 when
// anything does not verify.
import { readFile } from 'node:fs/promises'
import { IdResolver } from '@atproto/identity'
import { verifyRecords } from '@atproto/repo'

const [carPath, did, plcUrl] = process.argv.slice(2)
if (!carPath || !did || !plcUrl) {
  console.error('usage: node verify-record.mjs <proof.car> <did> <plc url>')
  process.exit(2)
}
try {
  // The default fetch is SSRF-protected (https only, no IP address): the documented opt-out
  // for a test suite resolving against a local directory is to pass plain fetch.
  const resolver = new IdResolver({ plcUrl, fetch: globalThis.fetch })
  const signingKey = await resolver.did.resolveAtprotoKey(did, true)
  const car = new Uint8Array(await readFile(carPath))
  const records = await verifyRecords(car, did, signingKey)
  const plain = (_key, value) =>
    value && typeof value === 'object' && value.asCID === value ? value.toString() : value
  console.log(JSON.stringify({ signingKey, records }, plain))
} catch (err) {
  console.error(`not verified: ${err?.message ?? err}`)
  process.exit(1)
}
