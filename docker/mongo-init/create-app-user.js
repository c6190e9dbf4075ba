// Runs once, when the data volume is first initialised (as the root user). The service gets
// read-write access to its own collections, but may only read and append to the audit trail:
// even a compromised service cannot rewrite the record of what it did.
const database = process.env.ECG_DB_NAME || "ecg";
const ecg = db.getSiblingDB(database);
const readWrite = ["find", "insert", "update", "remove", "createIndex", "listIndexes"];
ecg.createRole({
  role: "ecgService",
  privileges: [
    ...["users", "sessions", "ecgs", "signal_chunks", "rate_limits"].map((collection) => ({
      resource: { db: database, collection: collection },
      actions: readWrite,
    })),
    { resource: { db: database, collection: "audit" }, actions: ["find", "insert", "createIndex", "listIndexes"] },
    { resource: { db: database, collection: "" }, actions: ["listCollections", "collStats", "dbStats"] },
  ],
  roles: [],
});
ecg.createUser({
  user: process.env.ECG_DB_USERNAME,
  pwd: process.env.ECG_DB_PASSWORD,
  roles: [{ role: "ecgService", db: database }],
});
