/**
 * The playground offline: this service worker keeps every file of the build (the list and a
 * hash of their contents are set by tools/playground/build.mjs) in a cache of its own, fetched
 * when the page is first loaded, and answers the page's requests from it, the network only for
 * what it does not hold. A new build is a new worker with a new cache: it takes over once no
 * page of the old build is open (so an open page never mixes files of two builds), and then
 * drops the old cache.
 */

/** Set by the bundler: every file of the build, and a hash of their contents. */
declare const RNNC_PRECACHE: string[];
declare const RNNC_BUILD: string;

/** What the DOM's types lack of a service worker's events and scope. */
interface ExtendableEvent extends Event {
  waitUntil(work: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(response: Promise<Response>): void;
}
interface ServiceWorkerScope {
  addEventListener(type: "install" | "activate", listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: "fetch", listener: (event: FetchEvent) => void): void;
  readonly clients: { claim(): Promise<void> };
  readonly location: Location;
}

const scope = self as unknown as ServiceWorkerScope;
const prefix = "rnnc-playground-";
const cacheName = `${prefix}${RNNC_BUILD}`;

scope.addEventListener("install", (event) =>
  event.waitUntil(caches.open(cacheName).then((cache) => cache.addAll(RNNC_PRECACHE))),
);

scope.addEventListener("activate", (event) =>
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys())
        if (name.startsWith(prefix) && name !== cacheName) await caches.delete(name);
      // The page that installed this worker is served by it from now on, not only after a reload.
      await scope.clients.claim();
    })(),
  ),
);

scope.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET" || new URL(request.url).origin !== scope.location.origin) return;
  event.respondWith(
    (async () => (await (await caches.open(cacheName)).match(request, { ignoreSearch: true })) ?? fetch(request))(),
  );
});
