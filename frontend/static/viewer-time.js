// Adds the viewer's own local time next to each session time, and says so when the viewer's
// zone differs from the host's. The page already shows host time and UTC without this script.
const info = document.getElementById("tz-info");
const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

if (info && viewerZone) {
  const hostZone = info.dataset.hostTz;
  const chosenZone = info.dataset.viewerTz;
  // Nothing to add when the viewer is in the host's zone, already chose their zone server-side,
  // or lives on UTC, which every time already shows.
  const onUtc = ["UTC", "Etc/UTC", "Etc/GMT", "GMT"].includes(viewerZone);
  if (viewerZone !== hostZone && viewerZone !== chosenZone && !onUtc) {
    const lang = document.documentElement.lang || undefined;
    const format = new Intl.DateTimeFormat(lang, {
      hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: viewerZone,
    });
    const template = info.dataset.yourTime || "{time}";
    for (const span of document.querySelectorAll(".times[data-start][data-end]")) {
      const start = new Date(span.dataset.start);
      const end = new Date(span.dataset.end);
      if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) continue;
      const out = document.createElement("span");
      out.className = "viewer-time";
      // Left-to-right isolates keep the range in order inside right-to-left text.
      const range = `\u2066${format.format(start)}–${format.format(end)}\u2069`;
      out.textContent = template.replace("{time}", range);
      span.append(out);
    }
    const notice = info.querySelector(".tz-js-notice");
    if (notice) {
      notice.textContent = (info.dataset.differs || "").replace("{zone}", viewerZone);
      notice.hidden = false;
    }
  }
}
