"""The album folder: where ``isSaveToAlbum="1"`` saves shots (``folder``), and the same folder offered back as a
source beside the file chooser (``shelf``). The seed's ``sourceType: "album"`` is the browser's file chooser."""
