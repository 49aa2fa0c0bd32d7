// Leaflet in French and readable, for every map of the app (loaded right after leaflet.js, before any map is
// made): the zoom buttons and the layers button speak French; a popup opening near the edge pans the map so that
// it stays clear of the controls in the corners; fitting a map to its territory leaves room for the legend
// (the .map-legend control of plans/maps/plan_map.py), so that no marker starts hidden under it.
(function (L) {
  "use strict";
  if (!L) { return; }
  L.Control.Zoom.mergeOptions({zoomInTitle: "Zoom avant", zoomOutTitle: "Zoom arrière"});

  var initLayers = L.Control.Layers.prototype._initLayout;
  L.Control.Layers.include({
    _initLayout: function () {
      initLayers.call(this);
      if (this._layersLink) {
        this._layersLink.title = "Couches";
        this._layersLink.setAttribute("aria-label", "Couches : afficher ou masquer");
      }
    }
  });

  // Top left: the zoom buttons; top right: the layers button; bottom: the legend and the sources.
  L.Popup.mergeOptions({autoPanPaddingTopLeft: L.point(56, 90), autoPanPaddingBottomRight: L.point(72, 40)});

  // A popup never taller or wider than the map leaves beside the controls: its content scrolls instead.
  L.Map.addInitHook(function () {
    this.on("popupopen", function (event) {
      var popup = event.popup, size = this.getSize();
      var height = Math.max(120, size.y - 150), width = Math.max(160, size.x - 140);
      var options = popup.options, changed = false;
      if (!options.maxHeight || options.maxHeight > height) { options.maxHeight = height; changed = true; }
      if (options.maxWidth > width) { options.maxWidth = width; changed = true; }
      if (changed) { popup.update(); }
    });
  });

  var fitBounds = L.Map.prototype.fitBounds;
  L.Map.include({
    fitBounds: function (bounds, options) {
      var legend = this.getContainer().querySelector(".map-legend");
      if (legend && legend.offsetWidth) {
        var opts = L.extend({}, options);
        var base = L.point(opts.paddingBottomRight || opts.padding || [0, 0]);
        var size = this.getSize();
        var room = L.point(legend.offsetWidth + 10, legend.offsetHeight + 10);
        // the legend's strip on the side where it costs less of the map
        var extra = room.x / size.x < room.y / size.y ? L.point(room.x, 0) : L.point(0, room.y);
        opts.paddingTopLeft = opts.paddingTopLeft || opts.padding || [0, 0];
        opts.paddingBottomRight = base.add(extra);
        return fitBounds.call(this, bounds, opts);
      }
      return fitBounds.call(this, bounds, options);
    }
  });
})(window.L);
