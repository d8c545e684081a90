export interface OsPackage {
  ecosystem: 'debian' | 'alpine';
  name: string;
  version: string;
  sourceName?: string;
  /** Given only when the database names the source's own version. */
  sourceVersion?: string;
  arch?: string;
  /** The database file the package was found in, absolute (`/var/lib/dpkg/status`). */
  location: string;
}
