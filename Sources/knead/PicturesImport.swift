// Until the files in Play/ import KneadPictures themselves (clockText and percentText
// moved there from KneadPatternFile), the whole module sees it through this line.
@_exported import KneadPictures
