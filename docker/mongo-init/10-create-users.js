// Runs once, when the data volume is first initialised, against the image's temporary
// init-time server. Creates the service's user, the user `flask init` runs as and the read-only
// user Mongo Express connects as.
// Passwords come from secret files (NAME_FILE) or, for local runs, the environment (NAME), so
// they never sit in a container's configuration or on a command line.
const fs = require("fs");

function secret(name) {
  const file = process.env[`${name}_FILE`];
  const value = file ? fs.readFileSync(file, "utf8").trim() : process.env[name];
  if (!value) throw new Error(`${name} (or ${name}_FILE) must be set`);
  return value;
}

const database = process.env.ECG_DB_NAME || "ecg";
const ecg = db.getSiblingDB(database);

// The service reads and writes its own collections, but may only read and append to the audit
// trail: even a compromised service cannot rewrite the record of what it did. It cannot drop
// collections, create indexes (a TTL index of its choosing would empty the audit trail) or
// reach any other database. Only what its code does is granted: counters and known addresses
// are never removed by it (their TTL indexes expire them), and it lists nothing.
const serviceCollections = ["users", "sessions", "ecgs", "signal_chunks", "rate_limits", "known_logins"];
const removedByService = ["users", "sessions", "ecgs", "signal_chunks"];
ecg.createRole({
  role: "ecgService",
  privileges: [
    ...serviceCollections.map((collection) => ({
      resource: { db: database, collection: collection },
      actions: ["find", "insert", "update", ...(removedByService.includes(collection) ? ["remove"] : [])],
    })),
    {
      resource: { db: database, collection: "audit" },
      actions: ["find", "insert"],
    },
  ],
  roles: [],
});
ecg.createUser({
  user: secret("ECG_DB_USERNAME"),
  pwd: secret("ECG_DB_PASSWORD"),
  roles: [{ role: "ecgService", db: database }],
});

// `flask init` (the compose init service) creates the indexes, and the first admin with its
// audit entry, as a user of its own: it reads no ECG and changes no account.
ecg.createRole({
  role: "ecgInit",
  privileges: [
    ...[...serviceCollections, "audit"].map((collection) => ({
      resource: { db: database, collection: collection },
      actions: ["createIndex"],
    })),
    { resource: { db: database, collection: "users" }, actions: ["find", "insert"] },
    { resource: { db: database, collection: "audit" }, actions: ["insert"] },
  ],
  roles: [],
});
ecg.createUser({
  user: secret("ECG_INIT_DB_USERNAME"),
  pwd: secret("ECG_INIT_DB_PASSWORD"),
  roles: [{ role: "ecgInit", db: database }],
});

// Mongo Express shows the data for inspection; the server, not the UI, keeps it read-only. It
// sees the accounts through a view without their password hashes, and every other collection.
ecg.createView("accounts", "users", [{ $project: { password_hash: 0 } }]);
ecg.createRole({
  role: "ecgInspector",
  privileges: [
    ...["accounts", ...serviceCollections.filter((name) => name !== "users"), "audit"].map((collection) => ({
      resource: { db: database, collection: collection },
      actions: ["find", "listIndexes", "collStats"],
    })),
    { resource: { db: database, collection: "" }, actions: ["listCollections", "dbStats"] },
  ],
  roles: [],
});
ecg.createUser({
  user: secret("INSPECTOR_DB_USERNAME"),
  pwd: secret("INSPECTOR_DB_PASSWORD"),
  roles: [{ role: "ecgInspector", db: database }],
});
