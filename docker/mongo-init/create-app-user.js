// Runs once, when the data volume is first initialised (as the root user): the service gets
// read-write access to its own database and nothing else.
const database = process.env.ECG_DB_NAME || "ecg";
db.getSiblingDB(database).createUser({
  user: process.env.ECG_DB_USERNAME,
  pwd: process.env.ECG_DB_PASSWORD,
  roles: [{ role: "readWrite", db: database }],
});
