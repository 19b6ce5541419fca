// The composer's files: a button, drag-and-drop and paste (a pasted screenshot becomes an
// image file) upload to /api/files with the tab's token, showing progress; the results wait
// in a queue that the page's hidden #attach-sync button hands to the state
// (components/attachments.py, state/attachments.py).
(function () {
  if (window.metogptAttachments) return;
  window.metogptAttachments = true;
  const queue = [];

  function token() {
    let raw = localStorage.getItem("metogpt_token") || "";
    try {
      const parsed = JSON.parse(raw);
      if (typeof parsed === "string") raw = parsed;
    } catch (e) {}
    return raw;
  }

  function progress(name, loaded, total) {
    const bar = document.getElementById("attach-progress");
    if (!bar) return;
    const done = !total || loaded >= total;
    bar.style.display = done ? "none" : "block";
    bar.textContent = done ? "" : name + " " + Math.round((100 * loaded) / total) + "%";
  }

  function upload(file) {
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", "/api/files");
      xhr.setRequestHeader("Authorization", "Bearer " + token());
      xhr.upload.onprogress = (e) => progress(file.name, e.loaded, e.total);
      xhr.onload = () => {
        progress(file.name, 1, 1);
        let body = {};
        try {
          body = JSON.parse(xhr.responseText);
        } catch (e) {}
        resolve(
          xhr.status === 201
            ? { ok: true, file: body }
            : { ok: false, name: file.name, error: body.error || "", message: body.message || xhr.statusText }
        );
      };
      xhr.onerror = () => {
        progress(file.name, 1, 1);
        resolve({ ok: false, name: file.name, error: "", message: "network error" });
      };
      const form = new FormData();
      form.append("file", file, file.name);
      xhr.send(form);
    });
  }

  async function send(files) {
    for (const file of files) queue.push(await upload(file));
    const sync = document.getElementById("attach-sync");
    if (sync) sync.click();
  }

  function named(file, index) {
    if (file.name && file.name !== "image.png") return file;
    const ext = (file.type.split("/")[1] || "png").replace("jpeg", "jpg");
    const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-");
    return new File([file], "pasted-" + stamp + (index ? "-" + index : "") + "." + ext, { type: file.type });
  }

  function inComposer(target) {
    return target && target.closest && target.closest("#composer-area");
  }

  window.metogptTakeUploads = () => JSON.stringify(queue.splice(0));
  window.metogptPickFiles = () => {
    const input = document.createElement("input");
    input.type = "file";
    input.multiple = true;
    input.id = "attach-input";
    input.style.display = "none";
    input.onchange = () => {
      send(Array.from(input.files || []));
      input.remove();
    };
    document.body.appendChild(input);
    input.click();
  };
  document.addEventListener("paste", (e) => {
    if (!inComposer(e.target)) return;
    const files = Array.from((e.clipboardData && e.clipboardData.files) || []);
    if (!files.length) return;
    e.preventDefault();
    send(files.map(named));
  });
  document.addEventListener("dragover", (e) => {
    if (inComposer(e.target)) e.preventDefault();
  });
  document.addEventListener("drop", (e) => {
    if (!inComposer(e.target)) return;
    e.preventDefault();
    send(Array.from((e.dataTransfer && e.dataTransfer.files) || []));
  });
})();
