// Adds the viewer's own local time next to each session time, and says so when the viewer's
// zone differs from the host's. The page already shows host time and UTC without this script.
const info = document.getElementById("tz-info");
const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

if (info && viewerZone) {
  const hostZone = info.dataset.hostTz;
  const chosenZone = info.dataset.viewerTz;
  // Nothing to add when the viewer is in the host's zone, or already chose their zone server-side.
  if (viewerZone !== hostZone && viewerZone !== chosenZone) {
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
      out.textContent = template.replace("{time}", `${format.format(start)}–${format.format(end)}`);
      span.append(out);
    }
    const notice = info.querySelector(".tz-js-notice");
    if (notice) {
      notice.textContent = (info.dataset.differs || "").replace("{zone}", viewerZone);
      notice.hidden = false;
    }
  }
}
